package iampolicy

import (
	"fmt"
	"strings"
	"testing"
)

// Repository policies as the Amazon ECR User Guide publishes them
// ("Private repository policy examples in Amazon ECR",
// AmazonECR/latest/userguide/repository-policy-examples.html), kept byte for
// byte. That page's examples carry "Resource": "*", which ECR rejects with
// "Invalid repository policy provided" (awsdocs/amazon-ecr-user-guide pull
// request 20 removed it once already; aws-cdk 3590 and 24314 hit the same).
// Without Resource each is a policy ECR accepts, so the principals, actions,
// Sids and conditions in them must all pass. docs/validation-sources.md.
var awsRepositoryPolicyExamples = map[string]string{
	"Allow one or more users": `{
    "Version":"2012-10-17",
    "Statement": [
        {
            "Sid": "AllowPushPull",
            "Effect": "Allow",
            "Principal": {
                "AWS": [
                    "arn:aws:iam::111122223333:user/push-pull-user-1",
                    "arn:aws:iam::111122223333:user/push-pull-user-2"
                ]
            },
            "Action": [
                "ecr:BatchGetImage",
                "ecr:BatchCheckLayerAvailability",
                "ecr:CompleteLayerUpload",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart"
            ],
            "Resource": "*"
        }
    ]
}`,
	"Allow another account, pull and full access": `{
    "Version":"2012-10-17",
    "Statement": [
        {
            "Sid": "AllowPull",
            "Effect": "Allow",
            "Principal": {
                "AWS": [
                    "arn:aws:iam::111122223333:user/pull-user-1",
                    "arn:aws:iam::111122223333:user/pull-user-2"
                ]
            },
            "Action": [
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer"
            ],
            "Resource": "*"
        },
        {
            "Sid": "AllowAll",
            "Effect": "Allow",
            "Principal": {
                "AWS": "arn:aws:iam::111122223333:user/admin-user"
            },
            "Action": [
                "ecr:*"
            ],
            "Resource": "*"
        }
    ]
}`,
	"Deny all": `{
    "Version":"2012-10-17",
    "Statement": [
        {
            "Sid": "DenyPull",
            "Effect": "Deny",
            "Principal": "*",
            "Action": [
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer"
            ],
            "Resource": "*"
        }
    ]
}`,
	"Restricting access to specific IP addresses": `{
    "Version":"2012-10-17",
    "Id": "ECRPolicyId1",
    "Statement": [
        {
            "Sid": "IPAllow",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "ecr:*",
            "Resource": "*",
            "Condition": {
                "NotIpAddress": {
                    "aws:SourceIp": "54.240.143.0/24"
                }
            }
        }
    ]
}`,
	"Allow an AWS service": `{
   "Version":"2012-10-17",
   "Statement":[
      {
         "Sid":"CodeBuildAccess",
         "Effect":"Allow",
         "Principal":{
            "Service":"codebuild.amazonaws.com"
         },
         "Action":[
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer"
         ],
         "Resource": "*",
         "Condition":{
            "ArnLike":{
               "aws:SourceArn":"arn:aws:codebuild:us-east-1:123456789012:project/project-name"
            },
            "StringEquals":{
               "aws:SourceAccount":"123456789012"
            }
         }
      }
   ]
}`,
}

func TestPublishedRepositoryPoliciesResource(t *testing.T) {
	for name, text := range awsRepositoryPolicyExamples {
		t.Run(name, func(t *testing.T) {
			doc := mustParse(t, text)
			stmts, _ := statementList(doc)
			ps := doc.Validate()
			if len(ps) != len(stmts) {
				t.Fatalf("want one problem per statement (its Resource), got %v", ps)
			}
			for i, p := range ps {
				if p.Path != fmt.Sprintf("Statement[%d].Resource", i) || !strings.Contains(p.Message, "a repository policy has no Resource element") {
					t.Errorf("problem %d = %q", i, p.Error())
				}
			}
			// As ECR accepts it: the same document without Resource.
			for _, st := range stmts {
				delete(st.(map[string]any), "Resource")
			}
			if ps := doc.Validate(); len(ps) != 0 {
				t.Errorf("without Resource: %v", ps)
			}
		})
	}
}
